/** How often live pages (fleet, cluster, promotion safety, promotions) re-read the API while the live stream is down. */
export const LIVE_REFRESH_MS = 3000;
/** While the live stream is up, changes arrive as events; this slow re-read only refreshes figures that move every poll (lag, ages). */
export const STREAM_SAFETY_NET_MS = 15_000;
