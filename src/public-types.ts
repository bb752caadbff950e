export type { BridgeConfig, DestinationsConfig } from './types'
export type { Problem } from './config/problems'
export type { Call, PageField, ParamSource, Rule, RuleSet } from './adapter'
export type { PopinEvent } from './events/intake'
export type {
  CallEndPayload,
  CapturedPayload,
  PermissionPayload,
  PopinBase,
  PopinEventMap,
  PopinEventName,
  RatingPayload,
  SchedulePayload,
  ScreenId,
  ScreenPayload,
} from './events/catalog'
export { POPIN_EVENTS, SCREEN_IDS } from './events/catalog'
