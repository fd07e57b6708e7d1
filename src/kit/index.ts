/**
 * ppro-kakaopay-sandbox as a library: start the sandbox inside a test suite, drive it, wait for its
 * webhooks, and sign or verify webhooks without a server. Importing this module starts nothing.
 */
export {
  startSandbox,
  type EventFilter,
  type FeedKind,
  type FeedMessage,
  type Sandbox,
  type SandboxOptions,
  type WaitOptions,
  type WebhookFilter,
} from './start.js'
export { PproClient, PproError, type Credentials, type RequestOptions } from './client.js'
export { signWebhook, verifyWebhook, type VerifyOptions, type VerifyResult } from '../webhooks/signing.js'
export type * from './types.js'
export type { FaultsClient } from '../faults/client.js'
export type {
  ApiFault,
  ApiFaultKind,
  ApiFaultRuleInput,
  ApiMatch,
  AttemptFault,
  FaultRule,
  FaultRuleInput,
  FaultSchedule,
  Latency,
  RequestFault,
  WebhookFault,
  WebhookFaultKind,
  WebhookFaultRuleInput,
} from '../faults/rules.js'
