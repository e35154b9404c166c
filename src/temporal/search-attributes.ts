import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Registered on the dev server at start (see dev-server.ts) and, for other clusters, with
// `temporal operator search-attribute create`. Values are never secret: codecs do not encode them.
export const DrillEnvironment = defineSearchAttributeKey('DrillEnvironment', SearchAttributeType.KEYWORD);
export const DrillServiceGroup = defineSearchAttributeKey('DrillServiceGroup', SearchAttributeType.KEYWORD);
export const DrillKind = defineSearchAttributeKey('DrillKind', SearchAttributeType.KEYWORD);
export const DrillStep = defineSearchAttributeKey('DrillStep', SearchAttributeType.KEYWORD);
export const DrillOutcome = defineSearchAttributeKey('DrillOutcome', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTES = [DrillEnvironment, DrillServiceGroup, DrillKind, DrillStep, DrillOutcome];

/** `--search-attribute Name=Keyword` flags for `temporal server start-dev`. */
export function searchAttributeFlags(): string[] {
  return ALL_SEARCH_ATTRIBUTES.flatMap((k) => ['--search-attribute', `${k.name}=Keyword`]);
}
