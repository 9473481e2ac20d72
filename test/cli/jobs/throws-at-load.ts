/** A job file that fails while it is imported: `weir run` reports it in one line, exit code 2. */
throw new Error('the configuration service is unreachable');
