module TopModule (
  input            clk,
  input            areset,
  input            load,
  input            en,
  input            up,
  input      [7:0] din,
  output reg [7:0] count
);
  always @(posedge clk or posedge areset) begin
    if (areset)    count <= 8'd0;
    else if (load) count <= din;
    else if (en)   count <= up ? count + 8'd1 : count - 8'd1;
  end
endmodule
