export const MEMBER_ROWS = 5;
