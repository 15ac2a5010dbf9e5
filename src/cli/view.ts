// `knet view`: the cluster as a diagram (SVG, or a self-contained HTML page).
import { Command, Option } from 'commander';
import { viewPicture, type PictureFormat } from '../view/render.js';
import { addTopologyOption, openCluster, type IO } from './context.js';

export function viewCommand(io: IO): Command {
  const cmd = new Command('view')
    .description('draw the cluster: nodes with eth0, cni0, flannel.1, their pods, the Services\' virtual IPs and the underlay')
    .addOption(new Option('-o, --output <format>', 'svg, or html (one offline page with the object list)').choices(['svg', 'html']).default('svg'));
  addTopologyOption(cmd);
  cmd.action(async (o: { output: PictureFormat; filename: string[] }) => {
    io.out(await viewPicture(openCluster(o, io), o.output));
  });
  return cmd;
}
