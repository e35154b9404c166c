const MOD = 1n << 256n;
const WORD = 2 ** 32;
/**
 * Lanes hold 32-bit words summed as doubles, exact below 2^53: after a normalisation every lane is
 * below 2^32, so 2^20 more additions keep it below 2^52 with room for the carry.
 */
const NORMALISE_EVERY = 1 << 20;
const HEX_SHA256 = /^[0-9a-f]{64}$/i;

/**
 * An order-independent digest of a table's document lines: the sum modulo 2^256 of each line's
 * SHA-256. Two exports with the same documents in a different order (another backend may list
 * them differently) get the same digest; any added, missing or changed line changes it. Memory
 * stays constant however many lines there are, unlike sorting line hashes.
 *
 * The sum is kept as eight big-endian 32-bit lanes in doubles (carries propagated now and then),
 * not a BigInt: millions of lines are added per table and a BigInt per line costs more than the
 * hashing itself.
 */
export class MultisetDigest {
  /** lanes[0] holds the most significant 32 bits. */
  private readonly lanes = new Float64Array(8);
  private sinceNormalised = 0;

  /** Adds one line's SHA-256, as 64 hex digits. */
  add(lineSha256Hex: string): void {
    if (!HEX_SHA256.test(lineSha256Hex)) {
      // Not a plain SHA-256 in hex: add whatever number it spells, modulo 2^256, as BigInt would.
      lineSha256Hex = (BigInt(`0x${lineSha256Hex}`) % MOD).toString(16).padStart(64, '0');
    }
    const lanes = this.lanes;
    for (let i = 0; i < 8; i++) lanes[i] = lanes[i]! + parseInt(lineSha256Hex.slice(i * 8, i * 8 + 8), 16);
    if (++this.sinceNormalised === NORMALISE_EVERY) this.normalise();
  }

  /**
   * Adds one line's SHA-256 as its 32 raw bytes in a binary (latin1) string, as
   * `crypto.hash('sha256', line, 'binary')` returns it: the cheapest form to get per line.
   */
  addBinary(lineSha256: string): void {
    const lanes = this.lanes;
    for (let i = 0, j = 0; i < 8; i++, j += 4) {
      lanes[i] = lanes[i]! + (((lineSha256.charCodeAt(j) << 24) | (lineSha256.charCodeAt(j + 1) << 16) | (lineSha256.charCodeAt(j + 2) << 8) | lineSha256.charCodeAt(j + 3)) >>> 0);
    }
    if (++this.sinceNormalised === NORMALISE_EVERY) this.normalise();
  }

  /** Adds one line's SHA-256 as its 32 raw bytes. */
  addBytes(lineSha256: Uint8Array): void {
    const lanes = this.lanes;
    for (let i = 0, j = 0; i < 8; i++, j += 4) {
      lanes[i] = lanes[i]! + (((lineSha256[j]! << 24) | (lineSha256[j + 1]! << 16) | (lineSha256[j + 2]! << 8) | lineSha256[j + 3]!) >>> 0);
    }
    if (++this.sinceNormalised === NORMALISE_EVERY) this.normalise();
  }

  /** Propagates carries so every lane is below 2^32; the carry out of the top lane is dropped (mod 2^256). */
  private normalise(): void {
    const lanes = this.lanes;
    let carry = 0;
    for (let i = 7; i >= 0; i--) {
      const v = lanes[i]! + carry;
      const low = v % WORD;
      lanes[i] = low;
      carry = (v - low) / WORD;
    }
    this.sinceNormalised = 0;
  }

  hex(): string {
    this.normalise();
    let out = '';
    for (const lane of this.lanes) out += lane.toString(16).padStart(8, '0');
    return out;
  }
}
