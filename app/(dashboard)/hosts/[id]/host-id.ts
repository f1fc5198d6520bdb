/** The host row id from the route segment (row ids hold ':' which may arrive percent-encoded). */
export function hostIdParam(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
