import { connect } from '@strata/query'
import { UsageError } from './args.js'
import type { Command } from './commands.js'

type AdminModule = typeof import('@strata/admin')

/** Loads @strata/admin (an optional peer): the command exists only for projects that use the admin. */
async function loadAdmin(): Promise<AdminModule> {
  try {
    return (await import('@strata/admin')) as AdminModule
  } catch (e) {
    const code = (e as { code?: unknown }).code
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND')
      throw new UsageError('strata createsuperuser needs @strata/admin in the project: npm i @strata/admin')
    throw e
  }
}

/** `strata createsuperuser`: the first admin user, asked for on a terminal or given by flags and environment. */
export const createsuperuserCommand: Command = {
  name: 'createsuperuser',
  usage: 'strata createsuperuser [--username U] [--email E] [--no-input] [--database ALIAS]',
  summary: 'Create an admin user with every permission (@strata/admin).',
  options: [
    { name: 'username', value: 'one', meta: 'U', help: 'The username (or STRATA_SUPERUSER_USERNAME).' },
    { name: 'email', value: 'one', meta: 'E', help: 'The email address (or STRATA_SUPERUSER_EMAIL).' },
    { name: 'no-input', help: 'Ask nothing: the password comes from STRATA_SUPERUSER_PASSWORD.' },
    { name: 'database', value: 'one', meta: 'alias', help: "The database alias from the config (default 'default')." },
  ],
  async run(ctx) {
    const admin = await loadAdmin()
    const { out, args, config } = ctx
    const alias = args.values.get('database')?.[0] ?? 'default'
    const dialect = config.config.databases[alias]
    if (!dialect) throw new UsageError(`No database named ${JSON.stringify(alias)} in ${config.file}; configured: ${Object.keys(config.config.databases).join(', ')}`)
    const db = await connect({ databases: { default: dialect }, models: config.config.models })
    try {
      const username = args.values.get('username')?.[0]
      const email = args.values.get('email')?.[0]
      const user = await admin.runCreateSuperuser(
        { noInput: args.flags.has('no-input'), ...(username !== undefined ? { username } : {}), ...(email !== undefined ? { email } : {}) },
        { input: out.io.in, output: out.io.out, env: out.io.env },
      )
      out.line(out.ok(`Superuser ${JSON.stringify(user.username)} created.`))
      return 0
    } catch (e) {
      if (e instanceof admin.CommandError) {
        out.error(e.message)
        return 1
      }
      throw e
    } finally {
      await db.close()
    }
  },
}
