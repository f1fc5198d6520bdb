/** The cluster row id from the route segment (row ids hold ':', which may arrive percent-encoded). */
export const clusterIdParam = (segment: string): string => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};
