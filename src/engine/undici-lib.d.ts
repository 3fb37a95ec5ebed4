// undici publishes types for its index only; src/engine/undici-parts.ts imports two of its modules
// directly and gives them undici's own types.
declare module 'undici/lib/dispatcher/pool.js' {
  const Pool: unknown;
  export default Pool;
}
declare module 'undici/lib/api/api-request.js' {
  const request: unknown;
  export default request;
}
