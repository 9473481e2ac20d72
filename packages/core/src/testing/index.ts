export { executeAndCollect, type ExecuteAndCollectOptions } from './execute-and-collect.ts';
