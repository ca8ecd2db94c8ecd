/**
 * icon-sdk-js, the published ICON client, used as the reference implementation in tests. Its CommonJS
 * bundle exposes everything as named properties of the module object; the typings are loose, so the
 * parts the tests use are typed here once.
 */
import sdk from 'icon-sdk-js';

interface SdkWallet {
  getAddress(): string;
  getPrivateKey(): string;
  getPublicKey(compressed?: boolean): string;
  sign(data: Buffer | Uint8Array): string;
  store(password: string, opts?: object): object;
}
interface SdkWalletStatic {
  create(): SdkWallet;
  loadPrivateKey(hex: string): SdkWallet;
  loadKeystore(keystore: object | string, password: string, nonStrict?: boolean): SdkWallet;
}

const m = sdk as unknown as Record<string, unknown>;
export const IconWallet = m.Wallet as SdkWalletStatic;
export const IconUtil = m.Util as {
  /** The phrase that is hashed (icon-sdk-js's `serialize` returns the hash itself). */
  generateHashKey(tx: object): string;
  makeTxHash(tx: object): string;
};
export const IconValidator = m.Validator as {
  isSignedTransaction(tx: { getProperties(): object }): boolean;
  isEoaAddress(a: string): boolean;
  isScoreAddress(a: string): boolean;
};
export const SignedTransaction = m.SignedTransaction as new (
  tx: object,
  wallet: SdkWallet,
) => { getProperties(): Record<string, unknown>; getRawTransaction(): Record<string, unknown> };
export const IconConverter = m.Converter as { toBigNumber(v: string | number): unknown };
export const IconBuilder = {
  CallTransactionBuilder: m.CallTransactionBuilder as new () => Record<string, (...a: unknown[]) => unknown>,
  DeployTransactionBuilder: m.DeployTransactionBuilder as new () => Record<
    string,
    (...a: unknown[]) => unknown
  >,
  MessageTransactionBuilder: m.MessageTransactionBuilder as new () => Record<
    string,
    (...a: unknown[]) => unknown
  >,
  IcxTransactionBuilder: m.IcxTransactionBuilder as new () => Record<string, (...a: unknown[]) => unknown>,
};
export type { SdkWallet };
