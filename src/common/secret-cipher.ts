import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { ValueTransformer } from 'typeorm';

const PREFIX = 'enc:v1';

/**
 * AES-256-GCM for secrets at rest. A stored value is `enc:v1:<key id>:<iv>:<tag>:<ciphertext>`
 * (base64url), where the key id names which key encrypted it, so keys can be rotated: the current
 * key encrypts, the current and any previous keys decrypt, and `npm run secrets:reencrypt` moves
 * every row to the current key.
 */
export class SecretCipher {
  private readonly keys = new Map<string, Buffer>();
  private readonly currentId: string;

  constructor(current: Buffer, previous: Buffer[] = []) {
    this.currentId = keyId(current);
    for (const key of [current, ...previous]) this.keys.set(keyId(key), key);
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentId)!, iv);
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [PREFIX, this.currentId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join(':');
  }

  /** Plaintext of a stored value; a value stored before encryption existed is returned as it is. */
  decrypt(stored: string): string {
    if (!stored.startsWith(`${PREFIX}:`)) return stored;
    const [, , id, iv, tag, ciphertext] = stored.split(':');
    const key = this.keys.get(id);
    if (!key) throw new Error(`A secret is encrypted with key ${id}, which is neither SECRETS_KEY nor in SECRETS_KEY_PREVIOUS`);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** Whether a stored value is plaintext or under another key than the current one. */
  isStale(stored: string): boolean {
    return !stored.startsWith(`${PREFIX}:${this.currentId}:`);
  }
}

/** The first 8 hex digits of the key's SHA-256: names a key without revealing it. */
function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

let active: SecretCipher | undefined;

/** Set once at start (app and CLI) from SECRETS_KEY; the column transformers below use it. */
export function useSecretCipher(cipher: SecretCipher): void {
  active = cipher;
}

function cipher(): SecretCipher {
  if (!active) throw new Error('Secrets cannot be read or written before the secret cipher is configured');
  return active;
}

/** For a secret text column: encrypted on write, decrypted on read. */
export const encryptedText: ValueTransformer = {
  to: (value: string | null | undefined) => (typeof value === 'string' ? cipher().encrypt(value) : value),
  from: (value: string | null) => (typeof value === 'string' ? cipher().decrypt(value) : value),
};

/** For a jsonb map of secret values (required header values): each value encrypted. */
export const encryptedValues: ValueTransformer = {
  to: (value: Record<string, string> | null | undefined) =>
    value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([name, v]) => [name, cipher().encrypt(v)])) : value,
  from: (value: Record<string, string> | null) =>
    value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([name, v]) => [name, cipher().decrypt(v)])) : value,
};
