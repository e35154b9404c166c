/**
 * Why the worker's config cannot run what a workflow asked for. Stable `type`s: the settings
 * activities turn them into non-retryable failures, and the CLI maps them to exit 2.
 */
export const SettingsFailureType = {
  /** The request names an environment, group, service, hook or endpoint the config does not declare. */
  unknownName: 'NotInWorkerConfig',
  /** The environment lacks the section the drill needs. */
  notConfigured: 'NotConfigured',
  /** The production guard refuses a traffic change (confirmation, ticket, reason, approvers). */
  productionGuard: 'ProductionGuardRefused',
  /** The restore guard refuses the restore (destructive modes, scratch, production). */
  restoreGuard: 'RestoreRefused',
  /** A rollback target names a service the group does not have. */
  unknownService: 'UnknownService',
  /** A plan that does not fit the worker's config, or is started for another environment. */
  planRefused: 'PlanRefused',
} as const;

export type SettingsFailure = (typeof SettingsFailureType)[keyof typeof SettingsFailureType];

export const SETTINGS_FAILURES: string[] = Object.values(SettingsFailureType);

export class SettingsError extends Error {
  constructor(
    readonly type: SettingsFailure,
    message: string,
    /** What to do about it. */
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'SettingsError';
  }
}
