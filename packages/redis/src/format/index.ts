export { resolveDecoder, type Decoder, type Format } from './format.ts';
