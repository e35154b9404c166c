/** What the stand-in does instead of its normal behaviour; each is armed by a control method. */
export interface ConvexFaults {
  /** The next export ends in state `failed` (the CLI prints "Export failed..."). */
  failNextExport: boolean;
  /** Exports stay `in_progress` until released. */
  stallExports: boolean;
  /** The next export download is cut to half its bytes (a truncated snapshot). */
  truncateNextExport: boolean;
  /** The next export's first table gets one document line of this many bytes (it compresses to almost nothing). */
  hugeLineNextExport?: number;
  /** The next import ends in state `failed` with this message after it was confirmed. */
  failNextImport?: string;
  /** Confirmed imports stay `in_progress` until released. */
  stallImports: boolean;
  /** The next import silently drops this many documents but still reports success. */
  dropDocumentsOnNextImport: number;
  /** Every `/api/mutation` answers 500 with this message. */
  failMutations?: string;
}

export function noFaults(): ConvexFaults {
  return { failNextExport: false, stallExports: false, truncateNextExport: false, stallImports: false, dropDocumentsOnNextImport: 0 };
}
