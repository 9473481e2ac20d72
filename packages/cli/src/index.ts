export { main, runJobFile, type JobDefinition, type RunOptions } from "./main.ts";
