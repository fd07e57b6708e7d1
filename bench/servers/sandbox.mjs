// The product as `npm start` runs it, on a bench port.
import '../../dist/server.js'
