import { AppError } from '../errors';

/** The secrets procapita-sync needs. Windows Credential Manager will hold them; for now the environment does. */
export type SecretName = 'sqlPassword' | 'ldapPassword' | 'apiKey' | 'proxyPassword';

export interface Credentials {
  /** The secret's value. Throws an AppError (access denied) when it is not there; the message never holds a value. */
  get(name: SecretName): Promise<string>;
}

/** Reads each secret from the environment variable the configuration names for it. */
export function environmentCredentials(variables: Partial<Record<SecretName, string>>, env: NodeJS.ProcessEnv = process.env): Credentials {
  return {
    async get(name) {
      const variable = variables[name];
      const value = variable === undefined ? undefined : env[variable];
      if (!variable || value === undefined || value === '') {
        throw new AppError('accessDenied', `The ${describe[name]} is not set: the configuration names environment variable ${variable ?? '(none)'}, which is empty. Set it for the account that runs procapita-sync.`);
      }
      return value;
    },
  };
}

const describe: Record<SecretName, string> = {
  sqlPassword: 'SQL password',
  ldapPassword: 'directory (LDAP) bind password',
  apiKey: 'API key',
  proxyPassword: 'proxy password',
};
