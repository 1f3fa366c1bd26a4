export type * from './client-store.js';
export type * from './hub-storage.js';
export type {
  CrmProviderV1,
  ExternalRecord,
  ProviderAuthKind,
  ProviderConnectionInfo,
  ProviderContext,
  ProviderFeature,
  ProviderHttpClient,
  ProviderHttpRequest,
  ProviderHttpResponse,
  ProviderLogger,
  ProviderOAuth2Settings,
  ProviderPage,
  ProviderRateLimits,
  ProviderReadOptions,
  ProviderRecordChange,
  ProviderRecordType,
  ProviderSession,
  ProviderWriteResult,
} from './provider.js';
