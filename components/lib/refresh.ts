/** How often live pages (fleet, cluster, promotion safety, promotions) re-read the API. */
export const LIVE_REFRESH_MS = 3000;
