/** node-tnef 1.4 ships no types; only what src/domain/mail/tnef.ts uses. */
declare module 'node-tnef' {
  export interface TnefAttachment {
    /** file name as stored in attAttachTitle (bytes mapped 1:1 to char codes) */
    Title?: string;
    /** the file's bytes as an array of numbers (entries may be undefined when the blob is truncated) */
    Data?: Array<number | undefined>;
  }
  export interface TnefResult {
    Attachments: TnefAttachment[];
    Body?: unknown;
    BodyHTML?: unknown;
  }
  /** Synchronous despite the callback: `err` is true when the data is not TNEF or decoding threw. */
  export function parseBuffer(data: Buffer, callback: (err: boolean, result: TnefResult | Error | null) => void): void;
  export function parse(filePath: string, callback: (err: boolean, result: TnefResult | Error | null) => void): void;
}
