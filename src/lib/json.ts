export type Scalar = string | number | boolean | null
export type JsonValue = Scalar | JsonValue[] | { [key: string]: JsonValue }
export type JsonObject = { [key: string]: JsonValue }
