// Kept only for Reapit's dataset until branch reapit2 (which imports generated-data.ts) lands; then delete.
export { generatedCreatedAt, generatedModifiedAt } from './generated-data.ts';
