import { ApplicationFailure } from '@temporalio/common';
import { ArgvTemplateError, expandArgvTemplate } from '../../domain/reproject/argv-template';
import { ReplayFailureType } from './failures';

/** Expands a configured argv template, or fails with the config field to fix. */
export function commandFromTemplate(field: string, template: string[] | undefined, values: Record<string, string>): string[] {
  if (!template) {
    throw ApplicationFailure.create({ type: ReplayFailureType.configIncomplete, nonRetryable: true, message: `${field} is not configured; add it to the environment's replay section` });
  }
  try {
    return expandArgvTemplate(template, values);
  } catch (err) {
    if (!(err instanceof ArgvTemplateError)) throw err;
    throw ApplicationFailure.create({ type: ReplayFailureType.configIncomplete, nonRetryable: true, message: `${field}: ${err.message}` });
  }
}
