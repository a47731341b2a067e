import bwipjs from 'bwip-js';

/**
 * The coupon's barcode as a PNG: Code 128 of its barcode value, what till scanners read. The human-readable
 * line under the bars lets a cashier type the code when the scan fails.
 */
export async function code128Png(value: string, options: { scale?: number; heightMm?: number } = {}): Promise<Buffer> {
  return bwipjs.toBuffer({
    bcid: 'code128',
    text: value,
    scale: options.scale ?? 3,
    height: options.heightMm ?? 12,
    includetext: true,
    textxalign: 'center',
    paddingwidth: 10,
    paddingheight: 4,
    backgroundcolor: 'FFFFFF',
  });
}
