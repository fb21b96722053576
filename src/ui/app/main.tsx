// Entry of the dashboard bundle (scripts/build-ui.mjs): /login shows the login form, every other page the app.
import { render } from 'preact';
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { App } from './components/app.js';
import { Login } from './components/login.js';

const root = document.getElementById('app')!;
root.textContent = '';
render(location.pathname === '/login' ? <Login /> : <App />, root);
