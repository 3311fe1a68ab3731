import { reviewRoute } from '../review';

export const dynamic = 'force-dynamic';

export const POST = reviewRoute('accept');
