#!/usr/bin/env node
import { main } from './main.js'

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    console.error(`ppro-kakaopay-sandbox: ${(err as Error).message}`)
    process.exitCode = 1
  },
)
