import { bundleLambdas } from '../dist-aws/deploy/aws/lib/bundle.js';
let t = Date.now();
await bundleLambdas('/work/main', '/tmp/clk-prof/lambda');
console.log('bundle', Date.now() - t);
