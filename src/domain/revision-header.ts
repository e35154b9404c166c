/** Default response header in which a revision names itself (configurable per service probe). */
export const SERVING_REVISION_HEADER = 'x-serving-revision';
