import type { Command } from './command.js'
import { approve, cancel, clock, decline, expire, status, webhooks } from './controls.js'
import { exec } from './exec.js'
import { faults } from './faults.js'
import { logs } from './logs.js'
import { start } from './start.js'
import { trigger } from './trigger.js'

/** Every subcommand, in the order `--help` lists them. A new one is a file and a line here. */
export const COMMANDS: Command[] = [start, status, exec, trigger, approve, decline, cancel, expire, clock, logs, webhooks, faults]
