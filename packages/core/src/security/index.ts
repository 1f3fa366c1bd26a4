export {
  createRedactingLogger,
  REDACTED,
  type RedactedError,
  type RedactingLoggerOptions,
  type RedactSecretsOptions,
  redactError,
  redactSecrets,
} from './redact.js';
export {
  createVault,
  generateVaultKey,
  isSealedSecret,
  type SealedSecret,
  SealedSecretSchema,
  type Vault,
  type VaultBinding,
  type VaultFailureReason,
  type VaultKey,
  type VaultOptions,
} from './vault.js';
