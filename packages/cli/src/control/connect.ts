import { ControlClient } from './client.ts';
import { findControlFile } from './control-file.ts';

/** Options every command that talks to a running job takes. */
export const CONNECT_OPTIONS = {
  'checkpoint-dir': { type: 'string' },
  token: { type: 'string' },
} as const;

export const CONNECT_USAGE = `  --checkpoint-dir DIR   where the job's control file is: DIR/<job>/control.json (default ./checkpoints, then .weir)
  --token TOKEN          bearer token, when the job's endpoint requires one (default: WEIR_TOKEN)`;

/** A client for the running job `jobName`, found through its control file. */
export async function connect(jobName: string, options: { readonly 'checkpoint-dir'?: string; readonly token?: string }): Promise<ControlClient> {
  const info = await findControlFile(jobName, options['checkpoint-dir']);
  return new ControlClient(info, options.token ?? process.env.WEIR_TOKEN);
}
