// The product as `npm start` and the Docker image run it (the bundle), on a bench port.
import '../../dist/bundle/server.mjs'
