import { registryContract } from './contract-helper.js';

registryContract('token');
