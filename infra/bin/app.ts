import { buildGatewayApp } from "../lib/gateway-app";

buildGatewayApp().app.synth();
