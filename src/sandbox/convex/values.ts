/**
 * Convex values in the three JSON dialects the stand-in speaks, without losing a type:
 * - export JSON (`documents.jsonl`): int64 is a bare integer, float64 always has a `.` or exponent
 *   (`1.0`), bytes are `{"$bytes": base64}`;
 * - convex-encoded JSON (sync protocol, `format: "convex_encoded_json"`): int64 is
 *   `{"$integer": base64 of 8 little-endian bytes}`, a JSON number is a float64;
 * - plain JSON (`format: "json"` answers): int64 as a decimal string, bytes as base64.
 *
 * In memory a value is what the Convex client uses: bigint for int64, number for float64,
 * Uint8Array for bytes. `JSON.parse` cannot be used on export lines: it turns `1.0` into `1`
 * (an int64 on re-import) and rounds int64 beyond 2^53.
 */
export type ConvexValue = null | boolean | string | number | bigint | Uint8Array | ConvexValue[] | { [field: string]: ConvexValue };
export type ConvexObject = { [field: string]: ConvexValue };

export class ConvexJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConvexJsonError';
  }
}

function isPlainObject(v: ConvexValue): v is ConvexObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function float64ToBase64(x: number): string {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(x);
  return b.toString('base64');
}

function base64ToFloat64(s: string): number {
  const b = Buffer.from(s, 'base64');
  if (b.length !== 8) throw new ConvexJsonError(`$float must hold 8 bytes, got ${b.length}`);
  return b.readDoubleLE(0);
}

export function int64ToBase64(x: bigint): string {
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(BigInt.asIntN(64, x));
  return b.toString('base64');
}

function base64ToInt64(s: string): bigint {
  const b = Buffer.from(s, 'base64');
  if (b.length !== 8) throw new ConvexJsonError(`$integer must hold 8 bytes, got ${b.length}`);
  return b.readBigInt64LE(0);
}

/** The one-key wrapper objects (`$bytes`, `$float`, `$integer`) a dialect uses for non-JSON types. */
function wrapperKey(o: Record<string, unknown>): string | undefined {
  const keys = Object.keys(o);
  return keys.length === 1 && keys[0]!.startsWith('$') ? keys[0] : undefined;
}

// ---------------------------------------------------------------------------------------------
// Export JSON: a small lossless parser (numbers keep their literal's type) and its encoder.

class ExportJsonParser {
  private i = 0;
  constructor(private readonly text: string) {}

  parse(): ConvexValue {
    const v = this.value();
    this.ws();
    if (this.i !== this.text.length) this.fail('unexpected trailing characters');
    return v;
  }

  private fail(why: string): never {
    throw new ConvexJsonError(`${why} at character ${this.i}`);
  }

  private ws(): void {
    while (this.i < this.text.length) {
      const c = this.text.charCodeAt(this.i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.i++;
      else break;
    }
  }

  private value(): ConvexValue {
    this.ws();
    const c = this.text[this.i];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.text.startsWith(word, this.i)) {
        this.i += word.length;
        return v;
      }
    }
    return this.fail(c === undefined ? 'unexpected end of JSON' : `unexpected character ${JSON.stringify(c)}`);
  }

  private string(): string {
    const start = this.i;
    this.i++;
    let escaped = false;
    while (this.i < this.text.length) {
      const c = this.text[this.i++];
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') return JSON.parse(this.text.slice(start, this.i)) as string;
    }
    return this.fail('unterminated string');
  }

  private number(): number | bigint {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.text.slice(this.i, this.i + 400));
    if (!m) return this.fail('invalid number');
    this.i += m[0].length;
    if (m[2] === undefined && m[3] === undefined) {
      const n = BigInt(m[0]);
      if (n > 0x7fffffffffffffffn || n < -0x8000000000000000n) this.fail(`integer ${m[0]} does not fit in int64`);
      return n;
    }
    return Number(m[0]);
  }

  private array(): ConvexValue[] {
    this.i++;
    const out: ConvexValue[] = [];
    this.ws();
    if (this.text[this.i] === ']') {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.ws();
      const c = this.text[this.i++];
      if (c === ']') return out;
      if (c !== ',') this.fail('expected , or ] in array');
    }
  }

  private object(): ConvexValue {
    this.i++;
    const out: ConvexObject = {};
    this.ws();
    if (this.text[this.i] === '}') {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.text[this.i] !== '"') this.fail('expected a field name');
      const key = this.string();
      this.ws();
      if (this.text[this.i++] !== ':') this.fail('expected :');
      out[key] = this.value();
      this.ws();
      const c = this.text[this.i++];
      if (c === '}') break;
      if (c !== ',') this.fail('expected , or } in object');
    }
    const wrapper = wrapperKey(out);
    if (wrapper === '$bytes' && typeof out.$bytes === 'string') return new Uint8Array(Buffer.from(out.$bytes, 'base64'));
    if (wrapper === '$float' && typeof out.$float === 'string') return base64ToFloat64(out.$float);
    return out;
  }
}

/** Parses one `documents.jsonl` line (or any export-JSON text) without losing int64 or float64. */
export function parseExportJson(text: string): ConvexValue {
  return new ExportJsonParser(text).parse();
}

function encodeFloat64(x: number): string {
  if (!Number.isFinite(x)) return `{"$float":${JSON.stringify(float64ToBase64(x))}}`;
  if (Object.is(x, -0)) return '-0.0';
  const s = String(x);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

/** Encodes a value as export JSON; object fields in byte order, as the backend's BTreeMap writes them. */
export function encodeExportJson(v: ConvexValue): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return encodeFloat64(v);
  if (v instanceof Uint8Array) return `{"$bytes":${JSON.stringify(Buffer.from(v).toString('base64'))}}`;
  if (Array.isArray(v)) return `[${v.map(encodeExportJson).join(',')}]`;
  const keys = Object.keys(v).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${keys.map((k) => `${JSON.stringify(k)}:${encodeExportJson(v[k]!)}`).join(',')}}`;
}

// ---------------------------------------------------------------------------------------------
// Convex-encoded JSON (what `convexToJson` / `jsonToConvex` in the convex package produce).

/** Converts an already `JSON.parse`d convex-encoded value into a Convex value. */
export function fromConvexEncodedJson(v: unknown): ConvexValue {
  if (v === null || typeof v === 'boolean' || typeof v === 'string' || typeof v === 'number') return v;
  if (Array.isArray(v)) return v.map(fromConvexEncodedJson);
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const wrapper = wrapperKey(o);
    if (wrapper === '$integer' && typeof o.$integer === 'string') return base64ToInt64(o.$integer);
    if (wrapper === '$float' && typeof o.$float === 'string') return base64ToFloat64(o.$float);
    if (wrapper === '$bytes' && typeof o.$bytes === 'string') return new Uint8Array(Buffer.from(o.$bytes, 'base64'));
    const out: ConvexObject = {};
    for (const [k, x] of Object.entries(o)) out[k] = fromConvexEncodedJson(x);
    return out;
  }
  throw new ConvexJsonError(`not a JSON value: ${typeof v}`);
}

export function toConvexEncodedJson(v: ConvexValue): unknown {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return { $integer: int64ToBase64(v) };
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0) ? v : { $float: float64ToBase64(v) };
  if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) return v.map(toConvexEncodedJson);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toConvexEncodedJson(x)]));
}

/** Convex's plain JSON format (HTTP API `format: "json"`): int64 as a decimal string, bytes as base64. */
export function toPlainJson(v: ConvexValue): unknown {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(toPlainJson);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toPlainJson(x)]));
}

export function asObject(v: ConvexValue): ConvexObject | undefined {
  return isPlainObject(v) ? v : undefined;
}
