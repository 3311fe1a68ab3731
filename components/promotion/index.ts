export { SafetyPanel, type TSafetyPanelProps } from './SafetyPanel';
export { PromotionDetail, type TPromotionDetailProps } from './PromotionDetail';
export { PromotionList, type TPromotionListProps } from './PromotionList';
