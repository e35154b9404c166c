export { createNotifyActivities, sentMarkersDir, type NotifyRequest, type NotifyOutcome, type NotifyActivityDeps } from './notify-webhook';
