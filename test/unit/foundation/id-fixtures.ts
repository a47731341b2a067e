/** Every character or shape that cannot travel unchanged through a Cosmos id, a URL path segment and a log line. */
export const unsafeIds: [string, string][] = [
  ['slash', 'C/42'],
  ['backslash', 'C\\42'],
  ['question mark', 'C?42'],
  ['hash', 'C#42'],
  ['NUL', 'C\u000042'],
  ['newline', 'C\n42'],
  ['carriage return', 'C\r42'],
  ['tab', 'C\t42'],
  ['DEL', 'C\u007f42'],
  ['C1 control', 'C\u008542'],
  ['line separator', 'C\u202842'],
  ['leading space', ' C42'],
  ['trailing space', 'C42 '],
  ['lone surrogate', 'C\ud80042'],
  ['empty', ''],
  ['too long', 'C'.repeat(129)],
];

/** Characters that are fine everywhere and must keep working. */
export const safeIds = ['C-0042', 'kunde 42', 'müller@example', 'C%2F42', 'C.42_x', '客户42', 'a'.repeat(128), 'C"42\'', 'C+42&x=1', '🙂42'];
