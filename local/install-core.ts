// Imported first by the local host: `@azure/functions` looks up its core module on the first `app.*` call,
// which shared modules make at import time (app-start hooks), and it remembers a failed lookup for good.
import { installFunctionsCore } from './functions-core.js';

installFunctionsCore();
