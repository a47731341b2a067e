import PDFDocument from 'pdfkit';
import { code128Png } from './barcode.js';
import type { MailPiece } from './print.js';
import { channelTexts, formatDate } from './texts.js';

const mm = (value: number) => (value * 72) / 25.4;

/**
 * One A4 page per letter, the address where a DIN 5008 / C5-C6 window envelope shows it (20 mm from the left,
 * 45 mm from the top), then the letter text and the coupon with its Code 128 barcode. Standard PDF fonts
 * (Helvetica, WinAnsi) cover German and English text.
 */
export async function renderLettersPdf(pieces: MailPiece[], options: { title: string; createdAt: Date }): Promise<Buffer> {
  const barcodes = await Promise.all(pieces.map((p) => (p.coupon ? code128Png(p.coupon.barcodeValue, { scale: 3, heightMm: 15 }) : undefined)));
  const doc = new PDFDocument({
    size: 'A4',
    autoFirstPage: false,
    margins: { top: mm(20), bottom: mm(20), left: mm(25), right: mm(20) },
    // Metadata from the print day, not the clock: a rerun of a day carries the same dates and document id.
    info: { Title: options.title, Producer: 'winback', Creator: 'winback print batch', CreationDate: options.createdAt, ModDate: options.createdAt },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  pieces.forEach((piece, index) => {
    const t = channelTexts(piece.locale);
    doc.addPage();
    const address = piece.address!;
    const lines = [piece.name!, address.line1!, address.line2, `${address.postalCode} ${address.city}`, address.region, address.country].filter(
      (l): l is string => Boolean(l?.trim()),
    );
    doc.font('Helvetica').fontSize(11).text(lines.join('\n'), mm(20), mm(45), { width: mm(85), lineGap: 1 });
    doc.fontSize(10).text(formatDate(`${piece.mailDropDate}T12:00:00Z`, piece.locale), mm(125), mm(45), { width: mm(65), align: 'right' });
    let y = mm(100);
    if (piece.subject) {
      doc.font('Helvetica-Bold').fontSize(13).text(piece.subject, mm(25), y, { width: mm(165) });
      y = doc.y + mm(6);
    }
    doc.font('Helvetica').fontSize(11).text(piece.text, mm(25), y, { width: mm(165), lineGap: 2 });
    const coupon = piece.coupon;
    const png = barcodes[index];
    if (coupon && png) {
      const top = Math.max(doc.y + mm(10), mm(190));
      doc.rect(mm(25), top, mm(165), mm(55)).dash(4, { space: 3 }).stroke().undash();
      doc.font('Helvetica').fontSize(11).text(`${t.couponCode}:`, mm(32), top + mm(6));
      doc.font('Helvetica-Bold').fontSize(18).text(coupon.displayCode, mm(32), top + mm(12));
      doc.font('Helvetica').fontSize(10).text(`${t.value}: ${coupon.value}\n${t.validUntil} ${formatDate(coupon.expiresAt, piece.locale)}`, mm(32), top + mm(24), { width: mm(70) });
      doc.image(png, mm(110), top + mm(8), { fit: [mm(75), mm(40)], align: 'center', valign: 'center' });
    }
  });
  doc.end();
  return done;
}
