export type { BridgeConfig, DestinationsConfig } from './types'
export type { GlobalConfig } from './mapping/config'
export type { DestinationConfig, DestinationConfigBase, MappedCall, ParamSource, PopinEvent, Problem, Rule, RuleSet } from './mapping/types'
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
