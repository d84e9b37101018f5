import { registryContract } from './contract-helper.js';

registryContract('tls');
