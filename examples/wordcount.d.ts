/**
 * Word count: the classic first job. Lines in, a running count per word out.
 *
 *   npm start                 # runs this file with `weir run`
 */
import { type StreamEnvironment } from '@weir/core';
/** The input, exported so that tests (and curious users) can check the counts. */
export declare const lines: string[];
export default function job(env: StreamEnvironment): void;
