export { readCancelRequest, type CancelRequestQuery } from './read-cancel-request';
