/**
 * Simulated signatures for the consensus simulator. Real secp256k1 costs ~100 µs a signature, far too
 * slow for thousands of seeds; a keyed hash keeps the property that matters here: only the holder of a
 * secret can produce a signature that verifies for its id.
 *
 *   signature = sha256(secret(signer) ‖ digest)
 *
 * Secrets derive from the run's seed. `verify` may consult every secret (it plays the role of the public
 * keys); `sign` is only ever handed out per key, so a Byzantine node can sign only as itself (Twins share
 * one key) or as ids it invents, which are not validators.
 */
import { createHash } from 'node:crypto';
import { equalBytes } from '../../src/codec/hex.js';
import type { ConsensusCrypto, ValidatorId } from '../../src/consensus/types.js';

function keyedHash(secret: Uint8Array, digest: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(secret).update(digest).digest());
}

/** The secrets of one simulated world. Ids are 40 lowercase hex characters, like real validator ids. */
export class SimKeyring {
  private readonly secrets = new Map<ValidatorId, Uint8Array>();

  constructor(private readonly seed: number) {}

  /** The id of validator `index`; stable across seeds so traces stay comparable. */
  static validatorId(index: number): ValidatorId {
    return createHash('sha256').update(`sim-validator-${index}`).digest('hex').slice(0, 40);
  }

  /** An id outside the validator set, for forged votes a Byzantine node can sign validly. */
  static outsiderId(index: number): ValidatorId {
    return createHash('sha256').update(`sim-outsider-${index}`).digest('hex').slice(0, 40);
  }

  private secretOf(id: ValidatorId): Uint8Array {
    let s = this.secrets.get(id);
    if (s === undefined) {
      s = new Uint8Array(createHash('sha256').update(`sim-secret:${this.seed}:${id}`).digest());
      this.secrets.set(id, s);
    }
    return s;
  }

  verify(digest: Uint8Array, signature: Uint8Array, signer: ValidatorId): boolean {
    return signature.length === 32 && equalBytes(keyedHash(this.secretOf(signer), digest), signature);
  }

  /** The crypto a node holding `self`'s key gets: it signs only as `self`. */
  cryptoFor(self: ValidatorId): ConsensusCrypto {
    const secret = this.secretOf(self);
    return {
      sign: (digest) => keyedHash(secret, digest),
      verify: (digest, signature, signer) => this.verify(digest, signature, signer),
    };
  }
}
