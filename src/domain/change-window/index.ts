export * from './schema';
export * from './windows';
export { formatLocal, isTimeZone } from './zoned-time';
