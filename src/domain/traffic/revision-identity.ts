/**
 * How a probe tells which revision answered a request to a Cloud Run service URL. Cloud Run adds no
 * revision header to responses (it only sets `K_REVISION` inside the container), so the product may
 * not assume one: `none` is the default, and the other two need something from the app.
 */
export type RevisionIdentity =
  | 'none'
  /** The app or a sidecar echoes the revision (`K_REVISION`) in this response header. */
  | { header: string }
  /** A path whose answer is the version the revision's image serves (a JSON field, or the whole body). */
  | { versionEndpoint: { path: string; field?: string } };

export type IdentityStrategy = 'none' | 'header' | 'versionEndpoint';

export function identityStrategy(identity: RevisionIdentity): IdentityStrategy {
  if (identity === 'none') return 'none';
  return 'header' in identity ? 'header' : 'versionEndpoint';
}

/**
 * The strategy a probe config asks for. `revisionHeader` is how configs and workflow inputs named
 * the header strategy before `identity` existed; it still means `{ header }`.
 */
export function effectiveIdentity(probe: { identity?: RevisionIdentity; revisionHeader?: string }): RevisionIdentity {
  if (probe.identity) return probe.identity;
  return probe.revisionHeader ? { header: probe.revisionHeader } : 'none';
}

/** What an RTO figure means under each strategy: printed beside every figure and in --json. */
export const RTO_MEANING: Record<IdentityStrategy, string> = {
  none:
    'until the Cloud Run API reported the target traffic in force (operation done, service Ready, traffic statuses equal to the target), then N consecutive healthy answers from the service URL (and from the target tag URL first, where there is one); the answers cannot name a revision, so part of the data plane may still be migrating',
  header: 'until N consecutive healthy answers from the service URL named the target revision in the identity header: measured on the data plane',
  versionEndpoint: "until N consecutive healthy answers from the service URL served the version of the target revision's image: measured on the data plane",
};

/**
 * A version string identifies the revisions whose image reference carries it (its tag or digest:
 * `…/convex-backend:1.17.4` serves `1.17.4`). Empty and very short answers identify nothing.
 */
export function imageServesVersion(image: string, version: string): boolean {
  const v = version.trim();
  if (v.length < 3) return false;
  const ref = image.slice(image.lastIndexOf('/') + 1);
  return ref.endsWith(`:${v}`) || ref.endsWith(`@${v}`) || ref.includes(v);
}

/**
 * Why a version endpoint cannot tell the expected revisions from the others, or undefined when it
 * can: an expected revision without a known image, or one whose image another (unexpected)
 * revision also runs (a config-only change serves the same version).
 */
export function versionFallbackReason(expected: string[], others: string[], imageOf: (revision: string) => string | undefined): string | undefined {
  for (const e of expected) {
    const image = imageOf(e);
    if (!image) return `the image of revision ${e} is unknown, so its version cannot be recognised`;
    const twin = others.find((o) => !expected.includes(o) && imageOf(o) === image);
    if (twin) return `revisions ${e} and ${twin} run the same image (${image}), so the version endpoint cannot tell them apart`;
  }
  return undefined;
}

/** The version in an answer body: a JSON field (dotted path) or, without a field, the trimmed body. */
export function versionFromBody(body: string, field: string | undefined): string | undefined {
  if (!field) return body.trim() || undefined;
  try {
    let v: unknown = JSON.parse(body);
    for (const key of field.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
    return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
  } catch {
    return undefined;
  }
}
