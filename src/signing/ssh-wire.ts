/** The SSH wire encoding (RFC 4251 section 5): uint32 lengths, length-prefixed strings. */

export class SshWireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SshWireError';
  }
}

export class SshReader {
  private offset = 0;
  constructor(private readonly buf: Buffer) {}

  uint32(what: string): number {
    if (this.offset + 4 > this.buf.length) throw new SshWireError(`truncated before ${what}`);
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  bytes(n: number, what: string): Buffer {
    if (this.offset + n > this.buf.length) throw new SshWireError(`truncated in ${what}`);
    const out = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  string(what: string): Buffer {
    return this.bytes(this.uint32(what), what);
  }

  text(what: string): string {
    return this.string(what).toString('utf8');
  }

  get remaining(): number {
    return this.buf.length - this.offset;
  }
}

export function sshString(value: Buffer | string): Buffer {
  const body = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

export function sshUint32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return b;
}
