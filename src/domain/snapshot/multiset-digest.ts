const MOD = 1n << 256n;

/**
 * An order-independent digest of a table's document lines: the sum modulo 2^256 of each line's
 * SHA-256. Two exports with the same documents in a different order (another backend may list
 * them differently) get the same digest; any added, missing or changed line changes it. Memory
 * stays constant however many lines there are, unlike sorting line hashes.
 */
export class MultisetDigest {
  private sum = 0n;

  /** Adds one line's SHA-256, as 64 hex digits. */
  add(lineSha256Hex: string): void {
    this.sum = (this.sum + BigInt(`0x${lineSha256Hex}`)) % MOD;
  }

  hex(): string {
    return this.sum.toString(16).padStart(64, '0');
  }
}
