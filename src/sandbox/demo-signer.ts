import fs from 'node:fs';
import path from 'node:path';
import { generateOpenSshKey } from '../signing/openssh-key';

/** The person the demo attests as; the sandbox's allowed-signers file names this principal. */
export const DEMO_SIGNER = 'demo-oncall';

export const DEMO_SIGNING_KEY_FILE = 'demo-signing-key';

export interface DemoSigner {
  keyFile: string;
  allowedSignersFile: string;
}

/**
 * An ed25519 key (mode 600) and an allowed-signers file for it in the sandbox's folder, so the
 * demo signs its decisions exactly as a person would with `--key`. Kept across restarts: a running
 * worker has already read the config that names the file.
 */
export function ensureDemoSigner(dir: string): DemoSigner {
  const keyFile = path.join(dir, DEMO_SIGNING_KEY_FILE);
  const allowedSignersFile = path.join(dir, 'allowed_signers');
  if (!fs.existsSync(keyFile) || !fs.existsSync(allowedSignersFile)) {
    const key = generateOpenSshKey(`${DEMO_SIGNER}@drillctl-sandbox`);
    fs.writeFileSync(keyFile, key.privateKeyFile, { mode: 0o600 });
    fs.writeFileSync(`${keyFile}.pub`, `${key.publicKeyLine}\n`);
    fs.writeFileSync(allowedSignersFile, `# Written by drillctl sandbox: who may sign decisions here (git's allowedSignersFile format).\n${DEMO_SIGNER} namespaces="drillctl" ${key.publicKeyLine}\n`);
  }
  return { keyFile, allowedSignersFile };
}
