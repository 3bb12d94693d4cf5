import { ensureTestToken } from './hsm.js'

// every test process gets its own SoftHSM2 token before any gateway or CLI opens its keys
ensureTestToken()
